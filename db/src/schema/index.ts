export * from "./core";
export * from "./darkpool";
