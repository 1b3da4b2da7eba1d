using Warden.Server.Billing;
using Warden.Server.Keys;
using Warden.Server.Residency;
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
        Residency = new ResidencyStore(database, time);
        Transfers = new TransferRegister(database);
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

    /// <summary>Residency rules per tenant and key (issue 20).</summary>
    public ResidencyStore Residency { get; }

    /// <summary>The register of requests that left their home jurisdiction (issue 20), for reports.</summary>
    public TransferRegister Transfers { get; }

    public UsageStore Usage { get; }

    /// <summary>Appends stored receipts to the transparency log; the running server listens for its commits.</summary>
    public ReceiptLogAppender ReceiptLog { get; } = new();

    public KeyIssuer KeyIssuer { get; }

    public ChannelRegistrar ChannelRegistrar { get; }

    public BillingServices Billing { get; }

    /// <summary>Opens the folder; <paramref name="postgres"/> is a PostgreSQL connection string, or null for the folder's SQLite file.</summary>
    public static DataFolder Open(string directory, string? masterKeyFromEnvironment, TimeProvider time, string? postgres = null)
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
        WardenDatabase database;
        if (postgres is null)
        {
            string databasePath = Path.Combine(full, DatabaseFileName);
            KeepOwnerOnly(databasePath);
            database = new WardenDatabase(databasePath) { Time = time };
        }
        else
        {
            database = WardenDatabase.Postgres(postgres, time);
        }

        database.Migrate(time);
        using (var connection = database.Open())
        {
            Trust.LogEntryRows.MoveReceiptLookupsToRequestIds(connection);
        }

        byte[] pepper = new SecretStore(database, ring).GetOrCreate(SecretStore.ClientKeyPepper);
        return new DataFolder(full, ring, database, new KeyHasher(pepper), time);
    }

    /// <summary>
    /// The database holds key hashes, ciphertexts and every usage record: readable by its owner only, whatever the
    /// folder's mode or the process's umask (issue 18: an existing 0755 folder gave a world-readable database). The file
    /// is created empty with mode 0600 before SQLite opens it (SQLite takes an empty file as a new database); SQLite
    /// gives its -wal and -shm files the database file's mode. Files left more open by an older version are narrowed.
    /// </summary>
    private static void KeepOwnerOnly(string databasePath)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        const UnixFileMode ownerOnly = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        try
        {
            using (new FileStream(databasePath, new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write, UnixCreateMode = ownerOnly }))
            {
            }
        }
        catch (IOException) when (File.Exists(databasePath))
        {
            // It exists already (or another process on this folder just made it).
        }

        foreach (string path in new[] { databasePath, databasePath + "-wal", databasePath + "-shm" })
        {
            try
            {
                if (File.Exists(path) && (File.GetUnixFileMode(path) & ~ownerOnly) != 0)
                {
                    File.SetUnixFileMode(path, File.GetUnixFileMode(path) & ownerOnly);
                }
            }
            catch (Exception ex) when (ex is UnauthorizedAccessException or FileNotFoundException)
            {
                // Another user's file (only its owner may change its mode), or gone since: nothing this process can narrow.
            }
        }
    }
}
