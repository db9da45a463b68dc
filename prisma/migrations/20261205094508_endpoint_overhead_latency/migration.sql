-- AlterTable (columns added in place: the stats table can be large)
ALTER TABLE "EndpointStat" ADD COLUMN "overheadSumMs" REAL NOT NULL DEFAULT 0;
ALTER TABLE "EndpointStat" ADD COLUMN "overheadBuckets" TEXT;
