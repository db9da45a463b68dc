-- DropIndex
DROP INDEX "EndpointVariant_endpointId_name_key";

-- AlterTable
ALTER TABLE "ModelVersion" ADD COLUMN     "onnx" JSONB,
ADD COLUMN     "onnxStatus" TEXT NOT NULL DEFAULT 'none';

-- AlterTable
ALTER TABLE "EndpointVariant" ADD COLUMN     "runtime" TEXT NOT NULL DEFAULT 'python',
ADD COLUMN     "shadow" BOOLEAN NOT NULL DEFAULT false,
ADD COLUMN     "shadowSamplingPercent" DOUBLE PRECISION NOT NULL DEFAULT 100,
ADD COLUMN     "state" TEXT NOT NULL DEFAULT 'active';

-- CreateIndex
CREATE INDEX "EndpointVariant_endpointId_name_idx" ON "EndpointVariant"("endpointId", "name");

