-- AlterTable
ALTER TABLE "EndpointStat" ADD COLUMN     "overheadBuckets" TEXT,
ADD COLUMN     "overheadSumMs" DOUBLE PRECISION NOT NULL DEFAULT 0;

