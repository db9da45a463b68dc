-- AlterTable
ALTER TABLE "LabelingJob" ADD COLUMN "importInfo" TEXT;
ALTER TABLE "LabelingJob" ADD COLUMN "importVersionId" TEXT;

