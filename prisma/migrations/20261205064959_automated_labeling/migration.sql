-- Additive only: new columns (with defaults), a new table and new indexes. Written as ALTER TABLE
-- ADD COLUMN by hand: Prisma's SQLite diff redefines (copies) both tables for NOT NULL columns with
-- a default, which would drop columns other branches add to them.

-- AlterTable
ALTER TABLE "LabelingJob" ADD COLUMN "autoLabel" BOOLEAN NOT NULL DEFAULT false;
ALTER TABLE "LabelingJob" ADD COLUMN "autoLabelTargetAccuracy" REAL NOT NULL DEFAULT 0.95;
ALTER TABLE "LabelingJob" ADD COLUMN "autoLabelMinHumanLabels" INTEGER NOT NULL DEFAULT 200;
ALTER TABLE "LabelingJob" ADD COLUMN "autoLabelRetrainGrowth" REAL NOT NULL DEFAULT 0.25;
ALTER TABLE "LabelingJob" ADD COLUMN "autoLabelHostId" TEXT;
ALTER TABLE "LabelingJob" ADD COLUMN "machineLabeledCount" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "LabelingItem" ADD COLUMN "priority" REAL NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "LabelingRound" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "jobId" TEXT NOT NULL,
    "number" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'waiting',
    "statusReason" TEXT,
    "humanLabels" INTEGER NOT NULL,
    "hostId" TEXT,
    "hostName" TEXT,
    "kernelId" TEXT,
    "trainSize" INTEGER,
    "validationSize" INTEGER,
    "validationAccuracy" REAL,
    "threshold" REAL,
    "thresholdAccuracy" REAL,
    "thresholdSupport" INTEGER,
    "scored" INTEGER NOT NULL DEFAULT 0,
    "machineLabeled" INTEGER NOT NULL DEFAULT 0,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "endedAt" DATETIME,
    CONSTRAINT "LabelingRound_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "LabelingJob" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "LabelingItem_jobId_status_priority_seq_idx" ON "LabelingItem"("jobId", "status", "priority", "seq");

-- CreateIndex
CREATE INDEX "LabelingRound_status_idx" ON "LabelingRound"("status");

-- CreateIndex
CREATE UNIQUE INDEX "LabelingRound_jobId_number_key" ON "LabelingRound"("jobId", "number");
