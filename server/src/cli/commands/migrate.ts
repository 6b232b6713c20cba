import type { CliCommand } from "../command";
import { openConfiguredDb } from "../local";
import { refuseBesideServer } from "../server-info";

export const migrateCommand: CliCommand = {
  name: "migrate",
  usage: "migrate",
  summary: ["Apply pending database migrations and exit."],
  async run(_args, { env }) {
    const refused = refuseBesideServer(
      env,
      "migrate",
      "The server applied every pending migration when it opened the folder; restart it to apply new ones.",
    );
    if (refused !== null) return refused;
    const db = await openConfiguredDb(env);
    await db.close();
    process.stdout.write("migrations applied\n");
    return 0;
  },
};
