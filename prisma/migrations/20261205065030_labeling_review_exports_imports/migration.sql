-- AlterTable
ALTER TABLE "LabelingItem" ADD COLUMN "origin" TEXT;
ALTER TABLE "LabelingItem" ADD COLUMN "reviewStatus" TEXT;
ALTER TABLE "LabelingItem" ADD COLUMN "reviewedAt" DATETIME;
ALTER TABLE "LabelingItem" ADD COLUMN "reviewedById" TEXT;
ALTER TABLE "LabelingItem" ADD COLUMN "reviewerEmail" TEXT;

-- CreateTable
CREATE TABLE "LabelingExport" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "jobId" TEXT NOT NULL,
    "format" TEXT NOT NULL,
    "datasetName" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'pending',
    "statusReason" TEXT,
    "itemsDone" INTEGER NOT NULL DEFAULT 0,
    "itemsTotal" INTEGER NOT NULL DEFAULT 0,
    "datasetVersionId" TEXT,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "finishedAt" DATETIME,
    CONSTRAINT "LabelingExport_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "LabelingJob" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);

-- AlterTable (added columns only: other branches add LabelingJob columns in parallel)
ALTER TABLE "LabelingJob" ADD COLUMN "reviewThreshold" REAL NOT NULL DEFAULT 0.7;
ALTER TABLE "LabelingJob" ADD COLUMN "reviewPendingCount" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "LabelingJob" ADD COLUMN "reviewedCount" INTEGER NOT NULL DEFAULT 0;
ALTER TABLE "LabelingJob" ADD COLUMN "importFormat" TEXT;

-- CreateIndex
CREATE INDEX "LabelingExport_status_createdAt_idx" ON "LabelingExport"("status", "createdAt");

-- CreateIndex
CREATE INDEX "LabelingExport_jobId_createdAt_idx" ON "LabelingExport"("jobId", "createdAt");

-- CreateIndex
CREATE INDEX "LabelingItem_jobId_reviewStatus_seq_idx" ON "LabelingItem"("jobId", "reviewStatus", "seq");

