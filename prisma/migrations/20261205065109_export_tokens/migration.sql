-- AlterTable
ALTER TABLE "ApiToken" ADD COLUMN "modelVersionId" TEXT;

-- CreateIndex
CREATE INDEX "ApiToken_modelVersionId_idx" ON "ApiToken"("modelVersionId");

