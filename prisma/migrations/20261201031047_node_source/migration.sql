-- AlterTable
ALTER TABLE "Node" ADD COLUMN     "source" TEXT NOT NULL DEFAULT 'center';
