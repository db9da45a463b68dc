-- AlterTable
ALTER TABLE "LabelingJob" ADD COLUMN     "importInfo" TEXT,
ADD COLUMN     "importVersionId" TEXT;

