export { buildVerificationScript, SECTIONS, SECTION_TIMEOUT_S } from "./script";
export { parseVerificationOutput, splitSections, parseComposePs, restartLoopCause, type ParsedVerification, type CenterView } from "./parse";
