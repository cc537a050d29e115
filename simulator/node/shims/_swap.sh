# shellcheck shell=bash
# The node's swap (node.env SWAP: the active swap file, SWAP_KB its size): /swapfile is the node's
# own file (fleet.ts bind-mounts it); making it a swap area writes the real signature into it, but
# activating it only changes the node's state. The host's swap (a kernel-wide thing) is never touched.
SWAP_SIG_AT=4086 # swap header: "SWAPSPACE2" ends the first 4 KiB page
is_swapfile() { [ "$(realpath -m -- "$1" 2> /dev/null)" = /swapfile ]; }
swap_sig() { [ "$(dd if="$1" bs=1 skip=$SWAP_SIG_AT count=10 2> /dev/null)" = SWAPSPACE2 ]; }
swap_kb() { echo $(($(stat -c %s "$1") / 1024 - 4)); } # the area: the file less its header page
perms_of() { stat -c %a "$1"; }
swap_human() { # swapon --show's SIZE: 1023.99 MiB → 1024M, 2047.99 MiB → 2G
  local kb=$1
  if [ "$kb" -ge 1048576 ]; then local g10=$(((kb * 10 + 524288) / 1048576)); if [ $((g10 % 10)) = 0 ]; then echo "$((g10 / 10))G"; else echo "$((g10 / 10)).$((g10 % 10))G"; fi
  else echo "$(((kb + 512) / 1024))M"; fi
}
