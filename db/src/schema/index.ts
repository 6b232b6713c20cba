export * from "./alerts";
export * from "./blocks";
export * from "./composite";
export * from "./core";
export * from "./darkpool";
export * from "./institutional";
export * from "./rollups";
export * from "./sync";
