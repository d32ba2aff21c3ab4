export * from "./catalog.js";
export * from "./envelope.js";
export * from "./program.js";
export * from "./affiliate.js";
export * from "./conversion.js";
export * from "./payout.js";
export * from "./fraud.js";
