-- CreateTable
CREATE TABLE "MeterSample" (
    "nodeIpv4" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "nodeAt" TIMESTAMP(3),
    "metering" BOOLEAN,
    "billingDay" SMALLINT,
    "limitGb" INTEGER,
    "mode" TEXT,
    "seedGb" INTEGER,
    "cycleEndAt" TIMESTAMP(3),
    "cycleStartRx" BIGINT,
    "cycleStartTx" BIGINT,
    "priorUsed" BIGINT,
    "lastUsed" BIGINT,
    "nicName" TEXT,
    "nicRx" BIGINT,
    "nicTx" BIGINT,
    "cut" BOOLEAN,
    "k2sPaused" BOOLEAN,
    "sidecarUp" BOOLEAN,
    "reportAt" TIMESTAMP(3),
    "reportUsed" BIGINT,
    "reportFailAt" TIMESTAMP(3),
    "nodeUsed" BIGINT,
    "usedSource" TEXT,
    "used" BIGINT,
    "usedOffset" BIGINT NOT NULL DEFAULT 0,
    "rxDelta" BIGINT NOT NULL DEFAULT 0,
    "txDelta" BIGINT NOT NULL DEFAULT 0,
    "flags" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "MeterSample_pkey" PRIMARY KEY ("nodeIpv4","at")
);

-- CreateTable
CREATE TABLE "MeterHourly" (
    "nodeIpv4" TEXT NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "rxBytes" BIGINT NOT NULL DEFAULT 0,
    "txBytes" BIGINT NOT NULL DEFAULT 0,
    "used" BIGINT,
    "usedAt" TIMESTAMP(3),
    "cycleEndAt" TIMESTAMP(3),
    "limitGb" INTEGER,
    "cut" BOOLEAN,
    "samples" INTEGER NOT NULL DEFAULT 0,
    "flags" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "MeterHourly_pkey" PRIMARY KEY ("nodeIpv4","bucket")
);

-- CreateTable
CREATE TABLE "MeterDaily" (
    "nodeIpv4" TEXT NOT NULL,
    "bucket" TIMESTAMP(3) NOT NULL,
    "rxBytes" BIGINT NOT NULL DEFAULT 0,
    "txBytes" BIGINT NOT NULL DEFAULT 0,
    "used" BIGINT,
    "usedAt" TIMESTAMP(3),
    "cycleEndAt" TIMESTAMP(3),
    "limitGb" INTEGER,
    "cut" BOOLEAN,
    "samples" INTEGER NOT NULL DEFAULT 0,
    "flags" INTEGER NOT NULL DEFAULT 0,

    CONSTRAINT "MeterDaily_pkey" PRIMARY KEY ("nodeIpv4","bucket")
);

-- CreateTable
CREATE TABLE "MeterAnnotation" (
    "id" BIGSERIAL NOT NULL,
    "nodeIpv4" TEXT NOT NULL,
    "at" TIMESTAMP(3) NOT NULL,
    "kind" TEXT NOT NULL,
    "detail" JSONB NOT NULL DEFAULT '{}',

    CONSTRAINT "MeterAnnotation_pkey" PRIMARY KEY ("id")
);

-- CreateTable
CREATE TABLE "MeterNode" (
    "nodeIpv4" TEXT NOT NULL,
    "lastPolledAt" TIMESTAMP(3),
    "nextPollAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "lastError" TEXT,
    "failures" INTEGER NOT NULL DEFAULT 0,
    "at" TIMESTAMP(3),
    "nodeAt" TIMESTAMP(3),
    "metering" BOOLEAN,
    "billingDay" INTEGER,
    "limitGb" INTEGER,
    "runningLimitGb" INTEGER,
    "mode" TEXT,
    "cycleEndAt" TIMESTAMP(3),
    "nicName" TEXT,
    "nicRx" BIGINT,
    "nicTx" BIGINT,
    "nodeUsed" BIGINT,
    "used" BIGINT,
    "usedOffset" BIGINT NOT NULL DEFAULT 0,
    "cycleRx" BIGINT NOT NULL DEFAULT 0,
    "cycleTx" BIGINT NOT NULL DEFAULT 0,
    "rateBytesPerSec" DOUBLE PRECISION NOT NULL DEFAULT 0,
    "cut" BOOLEAN,
    "k2sPaused" BOOLEAN,
    "sidecarUp" BOOLEAN,
    "reportAt" TIMESTAMP(3),
    "reportFailAt" TIMESTAMP(3),
    "reportFailError" TEXT,
    "updatedAt" TIMESTAMP(3) NOT NULL,

    CONSTRAINT "MeterNode_pkey" PRIMARY KEY ("nodeIpv4")
);

-- CreateIndex
CREATE INDEX "MeterSample_at_idx" ON "MeterSample" USING BRIN ("at");

-- CreateIndex
CREATE INDEX "MeterHourly_bucket_idx" ON "MeterHourly"("bucket");

-- CreateIndex
CREATE INDEX "MeterDaily_bucket_idx" ON "MeterDaily"("bucket");

-- CreateIndex
CREATE INDEX "MeterAnnotation_nodeIpv4_at_idx" ON "MeterAnnotation"("nodeIpv4", "at");

-- CreateIndex
CREATE INDEX "MeterAnnotation_at_idx" ON "MeterAnnotation"("at");

-- CreateIndex
CREATE INDEX "MeterNode_nextPollAt_idx" ON "MeterNode"("nextPollAt");
