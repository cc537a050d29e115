import * as React from "react";
import {
  Activity,
  BookOpen,
  Check,
  ChevronDown,
  ChevronLeft,
  ChevronRight,
  CircleAlert,
  Copy,
  FileText,
  Gauge,
  Inbox,
  Info,
  LoaderCircle,
  LogOut,
  Monitor,
  Moon,
  PackagePlus,
  ScrollText,
  Server,
  Settings,
  Sun,
  TriangleAlert,
  X,
  type LucideIcon,
  type LucideProps,
} from "lucide-react";

/**
 * The console's icons, from lucide-react, under the names the components use. Each is lucide's
 * icon with this UI's default size (16 instead of lucide's 24). Decorative by default (lucide
 * sets aria-hidden unless an aria-* prop, role or title is given); pass `aria-label` to make one
 * meaningful. Add new icons here rather than importing lucide-react all over.
 */
export type IconProps = LucideProps;

function sized(Icon: LucideIcon, displayName: string) {
  const Sized = React.forwardRef<SVGSVGElement, Omit<IconProps, "ref">>(({ size = 16, ...props }, ref) => <Icon ref={ref} size={size} {...props} />);
  Sized.displayName = displayName;
  return Sized;
}

export const SunIcon = sized(Sun, "SunIcon");
export const MoonIcon = sized(Moon, "MoonIcon");
export const MonitorIcon = sized(Monitor, "MonitorIcon");
export const CopyIcon = sized(Copy, "CopyIcon");
export const CheckIcon = sized(Check, "CheckIcon");
export const XIcon = sized(X, "XIcon");
export const ChevronLeftIcon = sized(ChevronLeft, "ChevronLeftIcon");
export const ChevronRightIcon = sized(ChevronRight, "ChevronRightIcon");
export const ChevronDownIcon = sized(ChevronDown, "ChevronDownIcon");
export const InfoIcon = sized(Info, "InfoIcon");
export const AlertTriangleIcon = sized(TriangleAlert, "AlertTriangleIcon");
export const AlertCircleIcon = sized(CircleAlert, "AlertCircleIcon");
export const InboxIcon = sized(Inbox, "InboxIcon");
export const ServerIcon = sized(Server, "ServerIcon");
export const ActivityIcon = sized(Activity, "ActivityIcon");
export const GaugeIcon = sized(Gauge, "GaugeIcon");
export const PackagePlusIcon = sized(PackagePlus, "PackagePlusIcon");
export const FileTextIcon = sized(FileText, "FileTextIcon");
export const ScrollIcon = sized(ScrollText, "ScrollIcon");
export const BookOpenIcon = sized(BookOpen, "BookOpenIcon");
export const SettingsIcon = sized(Settings, "SettingsIcon");
export const LogOutIcon = sized(LogOut, "LogOutIcon");
export const LoaderIcon = sized(LoaderCircle, "LoaderIcon");
