-- AlterTable
ALTER TABLE "LabelingJob" ADD COLUMN     "agreement" TEXT;

