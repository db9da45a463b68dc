-- CreateTable
CREATE TABLE "EndpointLog" (
    "id" SERIAL NOT NULL,
    "endpointId" TEXT NOT NULL,
    "variant" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "line" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "EndpointLog_pkey" PRIMARY KEY ("id")
);

-- CreateIndex
CREATE INDEX "EndpointLog_endpointId_id_idx" ON "EndpointLog"("endpointId", "id");

-- AddForeignKey
ALTER TABLE "EndpointLog" ADD CONSTRAINT "EndpointLog_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "Endpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

