-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "haltReasonText" JSONB;

-- AlterTable
ALTER TABLE "JobItem" ADD COLUMN     "errorText" JSONB,
ADD COLUMN     "summaryText" JSONB;
