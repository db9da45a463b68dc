-- AlterTable
ALTER TABLE "EndpointVariant" ADD COLUMN     "autoscaling" TEXT;

-- CreateTable
CREATE TABLE "EndpointScalingEvent" (
    "id" TEXT NOT NULL,
    "endpointId" TEXT NOT NULL,
    "variant" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "fromReplicas" INTEGER NOT NULL,
    "toReplicas" INTEGER NOT NULL,
    "reason" TEXT NOT NULL,

    CONSTRAINT "EndpointScalingEvent_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "EndpointScalingEvent_endpointId_at_idx" ON "EndpointScalingEvent"("endpointId", "at");

-- AddForeignKey
ALTER TABLE "EndpointScalingEvent" ADD CONSTRAINT "EndpointScalingEvent_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "Endpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

