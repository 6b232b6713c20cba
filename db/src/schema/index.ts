export * from "./alerts";
export * from "./blocks";
export * from "./core";
export * from "./darkpool";
export * from "./institutional";
export * from "./rollups";
export * from "./sync";
export * from "./composite";
