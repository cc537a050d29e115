-- AlterTable
ALTER TABLE "ProvisionRun" ADD COLUMN     "choices" JSONB;
