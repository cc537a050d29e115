-- AlterTable
ALTER TABLE "ProvisionRun" ADD COLUMN     "jobId" TEXT,
ADD COLUMN     "steps" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "vps" JSONB;
