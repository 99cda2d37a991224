using System.CommandLine;
using System.Security.Cryptography;
using FluentValidation;
using Marten;
using NpcEcrf.Api.Hosting;
using NpcEcrf.Api.Identity;
using NpcEcrf.Api.Infrastructure;

namespace NpcEcrf.Api.Cli;

/// <summary>Bootstrapping accounts and tokens from the shell, as the installation's operator.</summary>
public static class UserCommands
{
    public static Command Users()
    {
        var username = new Option<string>("--username") { Required = true, Description = "The new user's login." };
        var roles = new Option<string[]>("--role") { Required = true, Description = "A role (repeatable): " + string.Join(", ", Infrastructure.Roles.All), AllowMultipleArgumentsPerToken = false };
        var sites = new Option<string[]>("--site") { Description = "A site id (repeatable)." };
        var printedName = new Option<string?>("--printed-name") { Description = "The name printed on signatures (default: the username)." };
        var password = new Option<string?>("--password") { Description = "The password (default: NPCECRF_PASSWORD, else one is generated and printed); 12 to 128 characters, see docs/security.md." };
        var dataDir = CommandLine.DataDirOption();
        var add = new Command("add", "Create a user account.") { username, roles, sites, printedName, password, dataDir };
        add.SetAction(async (parse, ct) =>
        {
            var generated = parse.GetValue(password) ?? Environment.GetEnvironmentVariable("NPCECRF_PASSWORD");
            var secret = generated ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(15));
            var command = new CreateUser(parse.GetValue(username)!, parse.GetValue(printedName) ?? parse.GetValue(username)!,
                secret, parse.GetValue(roles), parse.GetValue(sites));
            var check = new CreateUser.Validator().Validate(command);
            if (!check.IsValid)
            {
                foreach (var e in check.Errors) Console.Error.WriteLine($"{e.PropertyName}: {e.ErrorMessage}");
                return CommandLine.UsageError;
            }
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            await using var store = await OpenStoreAsync(installation, ct);
            await using var session = store.LightweightSession();
            session.LastModifiedBy = OperatorName();
            var outcome = await CreateUser.Run(session, Actor.Operator(session.LastModifiedBy), command, ct);
            if (outcome is not CommandOutcome.Accepted { Answer: UserView account })
            {
                Console.Error.WriteLine($"Not created: {CliOutcomes.Describe(outcome)}");
                return 1;
            }
            Console.WriteLine($"Created {account.Username} ({string.Join(", ", account.Roles)}{(account.Sites.Count > 0 ? "; sites " + string.Join(", ", account.Sites) : "")}).");
            if (generated is null) Console.WriteLine($"Password: {secret}");
            return 0;
        });
        return new Command("users", "Manage user accounts.") { add, List(), Deactivate(), Password() };
    }

    private static Command List()
    {
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("list", "List the user accounts: username, roles, sites, active.") { dataDir };
        command.SetAction(async (parse, ct) => await WithOperatorSession(parse.GetValue(dataDir), ct, async (session, _) =>
        {
            foreach (var a in (await session.Query<UserAccount>().ToListAsync(ct)).OrderBy(a => a.Username, StringComparer.Ordinal))
                Console.WriteLine($"{a.Username,-24} {(a.Active ? "active" : "deactivated"),-12} {string.Join(",", a.Roles),-30} {string.Join(",", a.Sites)}");
            return 0;
        }));
        return command;
    }

    private static Command Deactivate()
    {
        var username = new Option<string>("--username") { Required = true, Description = "Whose account." };
        var reason = new Option<string>("--reason") { Required = true, Description = "Why (kept on the account's trail)." };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("deactivate", "Deactivate an account: its tokens stop working at once; its history stays.") { username, reason, dataDir };
        command.SetAction(async (parse, ct) => await WithOperatorSession(parse.GetValue(dataDir), ct, async (session, _) =>
            Report(await AccountCommands.Apply(session, Actor.Operator(session.LastModifiedBy!), parse.GetValue(username)!, [],
                a => DeactivateUser.Decide(a, new DeactivateUser(parse.GetValue(reason)!)), ct), "Deactivated")));
        return command;
    }

    private static Command Password()
    {
        var username = new Option<string>("--username") { Required = true, Description = "Whose password to reset." };
        var password = new Option<string?>("--password") { Description = "The new password (default: NPCECRF_PASSWORD, else one is generated and printed)." };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("password", "Reset a user's password as the operator (the user's tokens stop working).") { username, password, dataDir };
        command.SetAction(async (parse, ct) => await WithOperatorSession(parse.GetValue(dataDir), ct, async (session, settings) =>
        {
            var given = parse.GetValue(password) ?? Environment.GetEnvironmentVariable("NPCECRF_PASSWORD");
            var secret = given ?? Convert.ToBase64String(RandomNumberGenerator.GetBytes(15));
            var id = UserAccount.IdFor(parse.GetValue(username)!);
            var currentHash = await new PasswordCredentials(settings).HashOfAsync(id, ct);
            var exit = Report(await AccountCommands.Apply(session, Actor.Operator(session.LastModifiedBy!), parse.GetValue(username)!, [],
                a => ChangePassword.Decide(a, currentHash, new ChangePassword(null, secret), Actor.Operator(session.LastModifiedBy!)), ct,
                s => s.Store(Passwords.Credential(id, secret))), "Password reset for");
            if (exit == 0 && given is null) Console.WriteLine($"Password: {secret}");
            return exit;
        }));
        return command;
    }

    private static int Report(CommandOutcome outcome, string done)
    {
        if (outcome is CommandOutcome.Accepted { Answer: UserView account })
        {
            Console.WriteLine($"{done} {account.Username}.");
            return 0;
        }
        Console.Error.WriteLine(CliOutcomes.Describe(outcome));
        return 1;
    }

    /// <summary>A session of the global tenant (accounts); a verb on a study's data opens its study's (CliStudies).</summary>
    internal static async Task<int> WithOperatorSession(string? dataDir, CancellationToken ct, Func<IDocumentSession, NpcEcrfSettings, Task<int>> work)
    {
        await using var installation = await Installation.OpenAsync(dataDir, ct);
        await using var store = await OpenStoreAsync(installation, ct);
        await using var session = store.LightweightSession();
        session.LastModifiedBy = OperatorName();
        return await work(session, installation.Settings());
    }

    public static Command Token()
    {
        var username = new Option<string>("--username") { Required = true, Description = "Whose token to print." };
        var dataDir = CommandLine.DataDirOption();
        var command = new Command("token", "Print a short-lived bearer token for a user, for scripting.") { username, dataDir };
        command.SetAction(async (parse, ct) =>
        {
            await using var installation = await Installation.OpenAsync(parse.GetValue(dataDir), ct);
            await using var store = await OpenStoreAsync(installation, ct);
            await using var session = store.LightweightSession();
            var account = await session.LoadAsync<UserAccount>(UserAccount.IdFor(parse.GetValue(username)!), ct);
            if (account is not { Active: true })
            {
                Console.Error.WriteLine($"No active user '{parse.GetValue(username)}'.");
                return 1;
            }
            // The operator bypasses the password; the account's trail says so, and who did it.
            session.LastModifiedBy = OperatorName();
            session.Events.Append(account.Id, new LoginSucceeded("cli", null));
            await session.SaveChangesAsync(ct);
            Console.WriteLine(new Tokens(installation.Settings()).Issue(account).Token);
            return 0;
        });
        return command;
    }

    /// <summary>The installation's store, its master database readied; a verb on a study's data opens the study's session from it (CliStudies).</summary>
    public static async Task<DocumentStore> OpenStoreAsync(Installation installation, CancellationToken ct)
    {
        var settings = installation.Settings();
        await RequireNamedSchemaAsync(settings, ct);
        await SchemaPreparation.PrepareAsync(settings, Console.Error.WriteLine, ct);
        return AppHost.Store(settings);
    }

    /// <summary>
    /// A schema chosen with NPCECRF_SCHEMA must already exist: a typo would otherwise create an empty installation beside
    /// the real one. Only `serve` and `demo` create one on purpose (the default schema is created by the first verb).
    /// </summary>
    internal static async Task RequireNamedSchemaAsync(NpcEcrfSettings settings, CancellationToken ct)
    {
        if (Environment.GetEnvironmentVariable(Installation.SchemaVariable) is not { Length: > 0 } named) return;
        await using var connection = new Npgsql.NpgsqlConnection(settings.ConnectionString);
        await connection.OpenAsync(ct);
        await using var command = new Npgsql.NpgsqlCommand("select count(*) from pg_namespace where nspname = @name", connection);
        command.Parameters.AddWithValue("name", named);
        if ((long)(await command.ExecuteScalarAsync(ct))! == 0)
            throw new CommandLineError($"No schema '{named}' in this database ({Installation.SchemaVariable}). Check the name; " +
                "`./npc-ecrf serve` or `./npc-ecrf demo --keep` create one.");
    }

    /// <summary>Events written from the shell name the operating-system account that wrote them.</summary>
    public static string OperatorName() => $"cli:{Environment.UserName}";
}
