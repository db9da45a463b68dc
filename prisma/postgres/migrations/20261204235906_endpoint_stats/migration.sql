-- CreateTable
CREATE TABLE "EndpointStat" (
    "endpointId" TEXT NOT NULL,
    "variant" TEXT NOT NULL,
    "minute" TIMESTAMP(3) NOT NULL,
    "count" INTEGER NOT NULL DEFAULT 0,
    "clientErrors" INTEGER NOT NULL DEFAULT 0,
    "serverErrors" INTEGER NOT NULL DEFAULT 0,
    "latencySumMs" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "buckets" TEXT NOT NULL,

    CONSTRAINT "EndpointStat_pkey" PRIMARY KEY ("endpointId","variant","minute")
);

-- AddForeignKey
ALTER TABLE "EndpointStat" ADD CONSTRAINT "EndpointStat_endpointId_fkey" FOREIGN KEY ("endpointId") REFERENCES "Endpoint"("id") ON DELETE CASCADE ON UPDATE CASCADE;

