export * from "./core";
export * from "./darkpool";
export * from "./blocks";
export * from "./alerts";
export * from "./institutional";
