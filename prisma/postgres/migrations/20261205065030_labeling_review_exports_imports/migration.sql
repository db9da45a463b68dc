-- AlterTable
ALTER TABLE "LabelingJob" ADD COLUMN     "importFormat" TEXT,
ADD COLUMN     "reviewPendingCount" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "reviewThreshold" DOUBLE PRECISION NOT NULL DEFAULT 0.7,
ADD COLUMN     "reviewedCount" INTEGER NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "LabelingItem" ADD COLUMN     "origin" TEXT,
ADD COLUMN     "reviewStatus" TEXT,
ADD COLUMN     "reviewedAt" TIMESTAMP(3),
ADD COLUMN     "reviewedById" TEXT,
ADD COLUMN     "reviewerEmail" TEXT;

-- CreateTable
CREATE TABLE "LabelingExport" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "datasetName" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "statusReason" TEXT,
    "itemsDone" INTEGER NOT NULL DEFAULT 0,
    "itemsTotal" INTEGER NOT NULL DEFAULT 0,
    "datasetVersionId" TEXT,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" TIMESTAMP(3),

    CONSTRAINT "LabelingExport_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "LabelingExport_status_createdAt_idx" ON "LabelingExport"("status", "createdAt");

-- CreateIndex
CREATE INDEX "LabelingExport_jobId_createdAt_idx" ON "LabelingExport"("jobId", "createdAt");

-- CreateIndex
CREATE INDEX "LabelingItem_jobId_reviewStatus_seq_idx" ON "LabelingItem"("jobId", "reviewStatus", "seq");

-- AddForeignKey
ALTER TABLE "LabelingExport" ADD CONSTRAINT "LabelingExport_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "LabelingJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

