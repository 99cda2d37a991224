using Marten;
using Npgsql;
using NpcEcrf.Api.Hosting;

namespace NpcEcrf.Api.Identity;

/// <summary>
/// Tells every API node at once that an account changed (deactivated, revoked, a new password, other roles), so a
/// node never trusts its cached copy after another node or the command line changed it. The save that appends to
/// an account stream also queues <c>pg_notify</c>, which PostgreSQL delivers only if that transaction commits.
/// </summary>
public sealed class AccountChangeNotifier(string schema) : DocumentSessionListenerBase
{
    public const string Channel = "npcecrf_accounts";

    /// <summary>One channel for every installation on the server; the payload names the schema, then the account.</summary>
    public static string Payload(string schema, Guid account) => $"{schema}/{account}";

    public override Task BeforeSaveChangesAsync(IDocumentSession session, CancellationToken token)
    {
        foreach (var account in AccountChangeListener.AccountStreams(session))
            session.QueueSqlCommand("select pg_notify(?, ?)", Channel, Payload(schema, account));
        return Task.CompletedTask;
    }
}

/// <summary>
/// Each web host listens on a connection of its own and forgets the accounts other processes changed. While it is
/// not listening (PostgreSQL restarting, the connection cut) it cannot hear changes, so it forgets every account
/// when it loses the connection and again when it listens anew.
/// </summary>
public sealed class AccountChangeFeed(NpcEcrfSettings settings, AccountDirectory accounts, ILogger<AccountChangeFeed> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken ct)
    {
        // Not pooled: a listening connection must not be handed to anyone else.
        var connectionString = new NpgsqlConnectionStringBuilder(settings.ConnectionString) { Pooling = false, KeepAlive = 10 }.ConnectionString;
        var prefix = AccountChangeNotifier.Payload(settings.Schema, Guid.Empty)[..^Guid.Empty.ToString().Length];
        while (!ct.IsCancellationRequested)
        {
            try
            {
                await using var connection = new NpgsqlConnection(connectionString);
                await connection.OpenAsync(ct);
                connection.Notification += (_, n) =>
                {
                    if (n.Payload.StartsWith(prefix, StringComparison.Ordinal) && Guid.TryParse(n.Payload.AsSpan(prefix.Length), out var account)) accounts.Forget(account);
                };
                await using (var listen = new NpgsqlCommand($"listen {AccountChangeNotifier.Channel}", connection)) await listen.ExecuteNonQueryAsync(ct);
                accounts.ForgetAll();
                while (true) await connection.WaitAsync(ct);
            }
            catch (OperationCanceledException) when (ct.IsCancellationRequested)
            {
                return;
            }
            // Whatever broke the listening, the host keeps serving: a failed background service would stop it.
            catch (Exception e)
            {
                accounts.ForgetAll();
                logger.LogWarning("Not listening for account changes ({Reason}); every account is read from the database until it listens again.", e.Message);
                try { await Task.Delay(TimeSpan.FromSeconds(1), ct); } catch (OperationCanceledException) { return; }
            }
        }
    }
}
