// Stands in for the `server-only` package in processes that run outside Next's React bundler
// (see tsconfig.node.json): they are server processes by construction.
export {};
