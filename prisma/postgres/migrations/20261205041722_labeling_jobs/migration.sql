-- CreateTable
CREATE TABLE "LabelingJob" (
    "id" TEXT NOT NULL,
    "projectId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "taskType" TEXT NOT NULL,
    "datasetVersionId" TEXT NOT NULL,
    "textField" TEXT,
    "labelAttributeName" TEXT NOT NULL,
    "labels" TEXT NOT NULL,
    "instructions" TEXT NOT NULL DEFAULT '',
    "examples" TEXT NOT NULL DEFAULT '{"good":[],"bad":[]}',
    "workersPerItem" INTEGER NOT NULL,
    "taskTimeLimitSeconds" INTEGER NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'preparing',
    "statusReason" TEXT,
    "itemCount" INTEGER NOT NULL DEFAULT 0,
    "unreadableCount" INTEGER NOT NULL DEFAULT 0,
    "labeledCount" INTEGER NOT NULL DEFAULT 0,
    "consolidatedCount" INTEGER NOT NULL DEFAULT 0,
    "responseCount" INTEGER NOT NULL DEFAULT 0,
    "createdById" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "LabelingJob_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LabelingJobWorker" (
    "jobId" TEXT NOT NULL,
    "userId" TEXT NOT NULL,

    CONSTRAINT "LabelingJobWorker_pkey" PRIMARY KEY ("jobId","userId")
);

-- CreateTable
CREATE TABLE "LabelingItem" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "seq" INTEGER NOT NULL,
    "sourceRef" TEXT,
    "text" TEXT,
    "width" INTEGER,
    "height" INTEGER,
    "status" TEXT NOT NULL DEFAULT 'open',
    "assigned" INTEGER NOT NULL DEFAULT 0,
    "submitted" INTEGER NOT NULL DEFAULT 0,
    "label" TEXT,
    "confidence" DOUBLE PRECISION,
    "humanAnnotated" BOOLEAN NOT NULL DEFAULT true,
    "unreadableReason" TEXT,
    "consolidatedAt" TIMESTAMP(3),

    CONSTRAINT "LabelingItem_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "LabelingAssignment" (
    "id" TEXT NOT NULL,
    "jobId" TEXT NOT NULL,
    "itemId" TEXT NOT NULL,
    "workerId" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'active',
    "acceptedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "leaseExpiresAt" TIMESTAMP(3) NOT NULL,
    "deadlineAt" TIMESTAMP(3) NOT NULL,
    "submittedAt" TIMESTAMP(3),
    "timeSpentSeconds" DOUBLE PRECISION,
    "answer" TEXT,

    CONSTRAINT "LabelingAssignment_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "LabelingJob_projectId_name_key" ON "LabelingJob"("projectId", "name");

-- CreateIndex
CREATE INDEX "LabelingJobWorker_userId_idx" ON "LabelingJobWorker"("userId");

-- CreateIndex
CREATE INDEX "LabelingItem_jobId_status_seq_idx" ON "LabelingItem"("jobId", "status", "seq");

-- CreateIndex
CREATE UNIQUE INDEX "LabelingItem_jobId_seq_key" ON "LabelingItem"("jobId", "seq");

-- CreateIndex
CREATE INDEX "LabelingAssignment_jobId_workerId_status_idx" ON "LabelingAssignment"("jobId", "workerId", "status");

-- CreateIndex
CREATE INDEX "LabelingAssignment_status_leaseExpiresAt_idx" ON "LabelingAssignment"("status", "leaseExpiresAt");

-- CreateIndex
CREATE UNIQUE INDEX "LabelingAssignment_itemId_workerId_key" ON "LabelingAssignment"("itemId", "workerId");

-- AddForeignKey
ALTER TABLE "LabelingJob" ADD CONSTRAINT "LabelingJob_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LabelingJob" ADD CONSTRAINT "LabelingJob_datasetVersionId_fkey" FOREIGN KEY ("datasetVersionId") REFERENCES "DatasetVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LabelingJobWorker" ADD CONSTRAINT "LabelingJobWorker_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "LabelingJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LabelingJobWorker" ADD CONSTRAINT "LabelingJobWorker_userId_fkey" FOREIGN KEY ("userId") REFERENCES "User"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LabelingItem" ADD CONSTRAINT "LabelingItem_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "LabelingJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LabelingAssignment" ADD CONSTRAINT "LabelingAssignment_jobId_fkey" FOREIGN KEY ("jobId") REFERENCES "LabelingJob"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "LabelingAssignment" ADD CONSTRAINT "LabelingAssignment_itemId_fkey" FOREIGN KEY ("itemId") REFERENCES "LabelingItem"("id") ON DELETE CASCADE ON UPDATE CASCADE;

