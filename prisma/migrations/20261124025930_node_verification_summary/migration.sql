-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "failingChecks" TEXT[] DEFAULT ARRAY[]::TEXT[],
ADD COLUMN     "verificationAt" TIMESTAMP(3),
ADD COLUMN     "verificationStatus" TEXT;

-- CreateIndex
CREATE INDEX "Node_verificationStatus_idx" ON "Node"("verificationStatus");
