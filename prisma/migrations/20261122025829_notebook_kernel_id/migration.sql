-- AlterTable
ALTER TABLE "Notebook" ADD COLUMN "kernelId" TEXT;

