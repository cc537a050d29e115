-- CreateTable
CREATE TABLE "MeterProviderSample" (
    "nodeIpv4" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "provider" TEXT NOT NULL,
    "source" TEXT NOT NULL,
    "providerAt" TIMESTAMP(3),
    "periodStart" TIMESTAMP(3),
    "periodEnd" TIMESTAMP(3),
    "inBytes" BIGINT,
    "outBytes" BIGINT,
    "usedBytes" BIGINT NOT NULL,
    "basis" TEXT NOT NULL,
    "totalBytes" BIGINT,
    "nodeUsedBytes" BIGINT,
    "nodeBasis" TEXT,
    "divergence" DOUBLE PRECISION,
    "flagged" BOOLEAN NOT NULL DEFAULT false,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "MeterProviderSample_pkey" PRIMARY KEY ("nodeIpv4","at")
);

-- CreateTable
CREATE TABLE "MeterAlert" (
    "nodeIpv4" TEXT NOT NULL,
    "kind" TEXT NOT NULL,
    "active" BOOLEAN NOT NULL DEFAULT false,
    "raisedAt" TIMESTAMP(3),
    "clearedAt" TIMESTAMP(3),
    "notifiedAt" TIMESTAMP(3),
    "detail" JSONB NOT NULL DEFAULT '{}',
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MeterAlert_pkey" PRIMARY KEY ("nodeIpv4","kind")
);

-- CreateIndex
CREATE INDEX "MeterProviderSample_at_idx" ON "MeterProviderSample"("at");
