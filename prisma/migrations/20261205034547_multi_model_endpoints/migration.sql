-- CreateTable
CREATE TABLE "EndpointModel" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "endpointId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    CONSTRAINT "EndpointModel_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "Endpoint" ("id") ON DELETE CASCADE ON UPDATE CASCADE,
    CONSTRAINT "EndpointModel_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion" ("id") ON DELETE RESTRICT ON UPDATE CASCADE
);

-- RedefineTables
PRAGMA defer_foreign_keys=ON;
PRAGMA foreign_keys=OFF;
CREATE TABLE "new_Endpoint" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "projectId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "description" TEXT NOT NULL DEFAULT '',
    "status" TEXT NOT NULL DEFAULT 'Creating',
    "statusReason" TEXT,
    "production" BOOLEAN NOT NULL DEFAULT false,
    "dataCapture" JSONB,
    "multiModel" BOOLEAN NOT NULL DEFAULT false,
    "memoryBudgetMb" INTEGER NOT NULL DEFAULT 1024,
    "createdById" TEXT,
    "createdAt" DATETIME NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" DATETIME NOT NULL,
    CONSTRAINT "Endpoint_projectId_fkey" FOREIGN KEY ("projectId") REFERENCES "Project" ("id") ON DELETE CASCADE ON UPDATE CASCADE
);
INSERT INTO "new_Endpoint" ("createdAt", "createdById", "dataCapture", "description", "id", "name", "production", "projectId", "status", "statusReason", "updatedAt") SELECT "createdAt", "createdById", "dataCapture", "description", "id", "name", "production", "projectId", "status", "statusReason", "updatedAt" FROM "Endpoint";
DROP TABLE "Endpoint";
ALTER TABLE "new_Endpoint" RENAME TO "Endpoint";
CREATE UNIQUE INDEX "Endpoint_name_key" ON "Endpoint"("name");
CREATE TABLE "new_EndpointVariant" (
    "id" TEXT NOT NULL PRIMARY KEY,
    "endpointId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "modelVersionId" TEXT,
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
INSERT INTO "new_EndpointVariant" ("createdAt", "endpointId", "id", "modelVersionId", "name", "replicas", "runtime", "shadow", "shadowSamplingPercent", "state", "weight") SELECT "createdAt", "endpointId", "id", "modelVersionId", "name", "replicas", "runtime", "shadow", "shadowSamplingPercent", "state", "weight" FROM "EndpointVariant";
DROP TABLE "EndpointVariant";
ALTER TABLE "new_EndpointVariant" RENAME TO "EndpointVariant";
CREATE INDEX "EndpointVariant_endpointId_name_idx" ON "EndpointVariant"("endpointId", "name");
PRAGMA foreign_keys=ON;
PRAGMA defer_foreign_keys=OFF;

-- CreateIndex
CREATE UNIQUE INDEX "EndpointModel_endpointId_name_key" ON "EndpointModel"("endpointId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "EndpointModel_endpointId_modelVersionId_key" ON "EndpointModel"("endpointId", "modelVersionId");

