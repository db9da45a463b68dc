/** The password of every user the fixtures seed (its hash is computed once per run). */
export const TEST_PASSWORD = "correct horse battery staple";
