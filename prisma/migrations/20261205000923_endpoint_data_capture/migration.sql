-- AlterTable
ALTER TABLE "Endpoint" ADD COLUMN "dataCapture" JSONB;

