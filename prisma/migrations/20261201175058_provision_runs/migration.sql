-- CreateTable
CREATE TABLE "ProvisionRun" (
    "operationId" INTEGER NOT NULL,
    "subId" INTEGER NOT NULL,
    "action" TEXT NOT NULL,
    "status" TEXT NOT NULL,
    "step" TEXT NOT NULL DEFAULT 'claim',
    "holder" TEXT NOT NULL,
    "claimedBy" TEXT NOT NULL,
    "claimedAt" TIMESTAMP(3),
    "params" JSONB NOT NULL DEFAULT '{}',
    "centerUrl" TEXT,
    "domain" TEXT,
    "claimSealed" TEXT,
    "claimKeyId" TEXT,
    "leaseOwner" TEXT,
    "leaseUntil" TIMESTAMP(3),
    "lastError" TEXT,
    "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "ProvisionRun_pkey" PRIMARY KEY ("operationId")
);

-- CreateIndex
CREATE INDEX "ProvisionRun_status_idx" ON "ProvisionRun"("status");
