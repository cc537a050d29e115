import { debounce, parseAsString } from "nuqs";

/**
 * The fleet's text filter in the URL (`?q=`): the table filters as you type
 * (lib/fleet/text-filter), and the URL follows after a pause without a server
 * round trip (shallow), so it stays shareable and reload-safe.
 */
export const fleetTextParam = parseAsString.withDefault("").withOptions({ shallow: true, limitUrlUpdates: debounce(300), clearOnDefault: true });
