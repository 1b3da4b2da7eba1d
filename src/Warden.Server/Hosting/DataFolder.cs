using Warden.Server.Billing;
using Warden.Server.Keys;
using Warden.Server.Routing;
using Warden.Server.Secrets;
using Warden.Server.Storage;
using Warden.Server.Trust;
using Warden.Server.Usage;

namespace Warden.Server.Hosting;

/// <summary>
/// A Warden data folder opened for use: master key ring loaded (or created), database migrated, client-key
/// pepper decrypted. The server and every CLI command open it the same way.
/// </summary>
internal sealed class DataFolder
{
    public const string DatabaseFileName = "warden.db";

    private DataFolder(string directory, MasterKeyRing ring, WardenDatabase database, KeyHasher hasher, TimeProvider time)
    {
        Directory = directory;
        Ring = ring;
        Database = database;
        Hasher = hasher;
        Time = time;
        Keys = new KeyStore(database, time);
        Channels = new ChannelStore(database, ring);
        Aliases = new AliasStore(database, Channels, time);
        Policies = new PolicyStore(database, Channels, time);
        Usage = new UsageStore(database, ReceiptLog);
        KeyIssuer = new KeyIssuer(Keys, hasher, time);
        ChannelRegistrar = new ChannelRegistrar(Channels, time, Aliases);
        Billing = new BillingServices(database, hasher, time);
    }

    public string Directory { get; }

    public MasterKeyRing Ring { get; }

    public WardenDatabase Database { get; }

    public KeyHasher Hasher { get; }

    public TimeProvider Time { get; }

    public KeyStore Keys { get; }

    public ChannelStore Channels { get; }

    public AliasStore Aliases { get; }

    public PolicyStore Policies { get; }

    public UsageStore Usage { get; }

    /// <summary>Appends stored receipts to the transparency log; the running server listens for its commits.</summary>
    public ReceiptLogAppender ReceiptLog { get; } = new();

    public KeyIssuer KeyIssuer { get; }

    public ChannelRegistrar ChannelRegistrar { get; }

    public BillingServices Billing { get; }

    public static DataFolder Open(string directory, string? masterKeyFromEnvironment, TimeProvider time)
    {
        string full = Path.GetFullPath(directory);
        if (!System.IO.Directory.Exists(full))
        {
            if (OperatingSystem.IsWindows())
            {
                System.IO.Directory.CreateDirectory(full);
            }
            else
            {
                System.IO.Directory.CreateDirectory(full, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            }
        }

        var ring = MasterKeyRing.Load(full, masterKeyFromEnvironment);
        var database = new WardenDatabase(Path.Combine(full, DatabaseFileName)) { Time = time };
        database.Migrate(time);
        using (var connection = database.Open())
        {
            Trust.LogEntryRows.MoveReceiptLookupsToRequestIds(connection);
        }

        byte[] pepper = new SecretStore(database, ring).GetOrCreate(SecretStore.ClientKeyPepper);
        return new DataFolder(full, ring, database, new KeyHasher(pepper), time);
    }
}
