-- AlterEnum
ALTER TYPE "AuditStatus" ADD VALUE 'interrupted';
