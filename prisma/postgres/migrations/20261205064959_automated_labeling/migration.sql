-- AlterTable
ALTER TABLE "LabelingJob" ADD COLUMN     "autoLabel" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "autoLabelHostId" TEXT,
ADD COLUMN     "autoLabelMinHumanLabels" INTEGER NOT NULL DEFAULT 200,
ADD COLUMN     "autoLabelRetrainGrowth" DOUBLE PRECISION NOT NULL DEFAULT 0.25,
ADD COLUMN     "autoLabelTargetAccuracy" DOUBLE PRECISION NOT NULL DEFAULT 0.95,
ADD COLUMN     "machineLabeledCount" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "LabelingItem" ADD COLUMN     "priority" DOUBLE PRECISION NOT NULL DEFAULT 0;

-- CreateTable
CREATE TABLE "LabelingRound" (
    "id" TEXT NOT NULL,
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
    "validationAccuracy" DOUBLE PRECISION,
    "threshold" DOUBLE PRECISION,
    "thresholdAccuracy" DOUBLE PRECISION,
    "thresholdSupport" INTEGER,
    "scored" INTEGER NOT NULL DEFAULT 0,
    "machineLabeled" INTEGER NOT NULL DEFAULT 0,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" TIMESTAMP(3),
    "endedAt" TIMESTAMP(3),

    CONSTRAINT "LabelingRound_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "LabelingRound_status_idx" ON "LabelingRound"("status");

-- CreateIndex
CREATE UNIQUE INDEX "LabelingRound_jobId_number_key" ON "LabelingRound"("jobId", "number");

-- CreateIndex
CREATE INDEX "LabelingItem_jobId_status_priority_seq_idx" ON "LabelingItem"("jobId", "status", "priority", "seq");

-- AddForeignKey
ALTER TABLE "LabelingRound" ADD CONSTRAINT "LabelingRound_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "LabelingJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

