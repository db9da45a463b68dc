-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_ModelVersion" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "modelId" TEXT NOT NULL,
    "version" INTEGER NOT NULL,
    "framework" TEXT NOT NULL,
    "task" TEXT,
    "algorithm" TEXT,
    "modelFile" TEXT NOT NULL,
    "signature" JSONB NOT NULL,
    "metrics" JSONB NOT NULL,
    "manifest" JSONB NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "source" TEXT NOT NULL,
    "runId" TEXT,
    "jobId" TEXT,
    "inputs" JSONB,
    "approvalStatus" TEXT NOT NULL DEFAULT 'PendingManualApproval',
    "approvalComment" TEXT NOT NULL DEFAULT '',
    "approvalById" TEXT,
    "approvalAt" DATETIME,
    "onnxStatus" TEXT NOT NULL DEFAULT 'none',
    "onnx" JSONB,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "ModelVersion_modelId_fkey" FOREIGN KEY ("modelId") REFERENCES "RegisteredModel" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_ModelVersion" ("algorithm", "approvalAt", "approvalById", "approvalComment", "approvalStatus", "createdAt", "createdById", "description", "framework", "id", "inputs", "jobId", "manifest", "metrics", "modelFile", "modelId", "runId", "signature", "source", "task", "version") SELECT "algorithm", "approvalAt", "approvalById", "approvalComment", "approvalStatus", "createdAt", "createdById", "description", "framework", "id", "inputs", "jobId", "manifest", "metrics", "modelFile", "modelId", "runId", "signature", "source", "task", "version" FROM "ModelVersion";
DROP TABLE "ModelVersion";
ALTER TABLE "new_ModelVersion" RENAME TO "ModelVersion";
CREATE INDEX "ModelVersion_runId_idx" ON "ModelVersion"("runId");
CREATE UNIQUE INDEX "ModelVersion_modelId_version_key" ON "ModelVersion"("modelId", "version");
CREATE TABLE "new_EndpointVariant" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "endpointId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "weight" REAL NOT NULL DEFAULT 1,
    "replicas" INTEGER NOT NULL DEFAULT 1,
    "runtime" TEXT NOT NULL DEFAULT 'python',
    "shadow" BOOLEAN NOT NULL DEFAULT false,
    "shadowSamplingPercent" REAL NOT NULL DEFAULT 100,
    "state" TEXT NOT NULL DEFAULT 'active',
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "EndpointVariant_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "Endpoint" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "EndpointVariant_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);
INSERT INTO "new_EndpointVariant" ("createdAt", "endpointId", "id", "modelVersionId", "name", "replicas", "weight") SELECT "createdAt", "endpointId", "id", "modelVersionId", "name", "replicas", "weight" FROM "EndpointVariant";
DROP TABLE "EndpointVariant";
ALTER TABLE "new_EndpointVariant" RENAME TO "EndpointVariant";
CREATE INDEX "EndpointVariant_endpointId_name_idx" ON "EndpointVariant"("endpointId", "name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

