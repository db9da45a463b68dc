-- AlterTable
ALTER TABLE "Endpoint" ADD COLUMN     "memoryBudgetMb" INTEGER NOT NULL DEFAULT 1024,
ADD COLUMN     "multiModel" BOOLEAN NOT NULL DEFAULT false;

-- AlterTable
ALTER TABLE "EndpointVariant" ALTER COLUMN "modelVersionId" DROP NOT NULL;

-- CreateTable
CREATE TABLE "EndpointModel" (
    "id" TEXT NOT NULL,
    "endpointId" TEXT NOT NULL,
    "name" TEXT NOT NULL,
    "modelVersionId" TEXT NOT NULL,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EndpointModel_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE UNIQUE INDEX "EndpointModel_endpointId_name_key" ON "EndpointModel"("endpointId", "name");

-- CreateIndex
CREATE UNIQUE INDEX "EndpointModel_endpointId_modelVersionId_key" ON "EndpointModel"("endpointId", "modelVersionId");

-- AddForeignKey
ALTER TABLE "EndpointModel" ADD CONSTRAINT "EndpointModel_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "Endpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

-- AddForeignKey
ALTER TABLE "EndpointModel" ADD CONSTRAINT "EndpointModel_modelVersionId_fkey" FOREIGN KEY ("modelVersionId") REFERENCES "ModelVersion"("id") ON DELETE RESTRICT ON UPDATE CASCADE;

