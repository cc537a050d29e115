-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "JobStatus" ADD VALUE 'paused';
ALTER TYPE "JobStatus" ADD VALUE 'halted';

-- AlterTable
ALTER TABLE "Job" ADD COLUMN     "currentBatch" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "haltReason" TEXT,
ADD COLUMN     "nextBatchAt" TIMESTAMP(3),
ADD COLUMN     "phase" TEXT NOT NULL DEFAULT '',
ADD COLUMN     "strategy" JSONB,
ADD COLUMN     "updatedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP;

-- AlterTable
ALTER TABLE "JobItem" ADD COLUMN     "attempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "batch" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "before" JSONB,
ADD COLUMN     "evidence" JSONB,
ADD COLUMN     "owner" TEXT,
ADD COLUMN     "step" TEXT NOT NULL DEFAULT '';

-- CreateIndex
CREATE INDEX "Job_status_idx" ON "Job"("status");

-- CreateIndex
CREATE INDEX "JobItem_jobId_status_idx" ON "JobItem"("jobId", "status");
