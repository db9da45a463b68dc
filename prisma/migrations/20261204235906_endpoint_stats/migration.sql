-- CreateTable
CREATE TABLE "EndpointStat" (
    "endpointId" TEXT NOT NULL,
    "variant" TEXT NOT NULL,
    "minute" DATETIME NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "clientErrors" INTEGER NOT NULL DEFAULT 0,
    "serverErrors" INTEGER NOT NULL DEFAULT 0,
    "latencySumMs" REAL NOT NULL DEFAULT 0,
    "buckets" TEXT NOT NULL,

    PRIMARY KEY ("endpointId", "variant", "minute"),
    CONSTRAINT "EndpointStat_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "Endpoint" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

