-- CreateTable
CREATE TABLE "TransformJob" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "projectId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "inputVersionId" TEXT NOT NULL,
    "inputFile" TEXT,
    "contentType" TEXT NOT NULL,
    "splitType" TEXT NOT NULL,
    "batchStrategy" TEXT NOT NULL,
    "maxPayloadInMB" INTEGER NOT NULL,
    "assembleWith" TEXT NOT NULL,
    "accept" TEXT NOT NULL,
    "joinSource" TEXT NOT NULL,
    "inputFilter" TEXT NOT NULL,
    "outputFilter" TEXT NOT NULL,
    "outputDatasetName" TEXT NOT NULL,
    "status" TEXT NOT NULL DEFAULT 'InProgress',
    "failureReason" TEXT,
    "recordsDone" INTEGER NOT NULL DEFAULT 0,
    "recordsTotal" INTEGER,
    "bytesDone" BIGINT NOT NULL DEFAULT 0,
    "bytesTotal" BIGINT NOT NULL,
    "attempts" INTEGER NOT NULL DEFAULT 0,
    "outputVersionId" TEXT,
    "stopRequestedAt" DATETIME,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "startedAt" DATETIME,
    "endedAt" DATETIME,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "TransformJob_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "TransformJob_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "TransformJob_inputVersionId_fkey" FOREIGN KEY ("inputVersionId") REFERENCES "DatasetVersion" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "TransformJob_outputVersionId_fkey" FOREIGN KEY ("outputVersionId") REFERENCES "DatasetVersion" ("id") ON DELETE SET NULL ON UPDATE CASCADE
);

-- CreateIndex
CREATE INDEX "TransformJob_status_idx" ON "TransformJob"("status");

-- CreateIndex
CREATE UNIQUE INDEX "TransformJob_projectId_name_key" ON "TransformJob"("projectId", "name");

