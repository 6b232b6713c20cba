export * from "./darkpool";
