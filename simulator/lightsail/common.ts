// What the Lightsail simulator's modules share: AWS's error shape and its region / zone names.

/** An AWS JSON 1.1 error: `__type` and message in the body, x-amzn-ErrorType, HTTP 400 unless said. */
export class AwsError extends Error {
  constructor(
    public type: string,
    message: string,
    public status = 400,
    public extra: Record<string, unknown> = {},
  ) {
    super(message);
  }
}

export const invalidInput = (message: string) => new AwsError("InvalidInputException", message, 400, { code: "InvalidInput" });

/** Lightsail's NotFoundException for a resource of `kind` ("Instance", "StaticIp"), as the simulator has always shaped it. */
export function notFound(kind: string, name: string, api: string): AwsError {
  return new AwsError("NotFoundException", `The ${kind} does not exist: ${name}`, 400, {
    code: "NotFound",
    docs: `https://docs.aws.amazon.com/lightsail/2016-11-28/api-reference/API_${api}.html`,
    tip: `Please check the ${kind} name and region.`,
  });
}

/** ap-northeast-1a → ap-northeast-1 (a region name stays as it is) */
export const regionOf = (r: string) => (/\d[a-z]$/.test(r) ? r.slice(0, -1) : r);
/** ap-northeast-1 → ap-northeast-1a (a zone stays as it is) */
export const azOf = (r: string) => (/\d[a-z]$/.test(r) ? r : `${r}a`);
