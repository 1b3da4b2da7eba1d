using Microsoft.Data.Sqlite;
using Warden.Core.Trust;
using Warden.Server.Hosting;
using Warden.Server.Tests.Simulator;
using Warden.Server.Tests.Support;
using Warden.Server.Trust;

namespace Warden.Server.Tests.Trust;

/// <summary>
/// The running log keeps only whole blocks' roots in memory and reads older leaf hashes back from the real SQLite
/// file: its roots and proofs are those of a tree holding every leaf, and a stored leaf hash changed while it runs is
/// refused rather than served in a proof.
/// </summary>
public sealed class TransparencyLogBlockTests
{
    [Fact]
    public void ProofsFromBlocksReadBackFromSqlite_EqualThoseOfAFullTree()
    {
        using var directory = new TempDirectory();
        var (folder, ring) = Open(directory, TimeProvider.System);
        var full = Mirror(folder);
        AppendEntries(folder, full, 0, 21);

        // Resident level 2: blocks of 4 leaves, so almost every proof reads blocks back.
        var log = NewLog(folder, ring, TimeProvider.System);
        AppendEntries(folder, full, 21, 30);
        string checkpoint = log.Refresh();
        long size = SignedCheckpoint.Verify(checkpoint, log.LogKeys).Checkpoint!.TreeSize;
        Assert.Equal(full.Size, size);
        Assert.Equal(full.RootHash(), SignedCheckpoint.Verify(checkpoint, log.LogKeys).Checkpoint!.RootHash());

        for (long index = 0; index < size; index++)
        {
            var answer = log.Inclusion(index, null)!;
            Assert.Equal(full.LeafHash(index), answer.LeafHash);
            Assert.Equal(full.InclusionProof(index, size), answer.Proof);
        }

        for (long from = 0; from <= size; from++)
        {
            Assert.Equal(full.ConsistencyProof(from, size), log.Consistency(from, size));
        }
    }

    [Fact]
    public void ALeafHashChangedInTheFileWhileRunning_IsRefusedWhenItsBlockIsReadBack()
    {
        using var directory = new TempDirectory();
        var (folder, ring) = Open(directory, TimeProvider.System);
        AppendEntries(folder, new MerkleTree(), 0, 16);
        var log = NewLog(folder, ring, TimeProvider.System);
        Assert.NotNull(log.Inclusion(1, null));

        using (var connection = new SqliteConnection("Data Source=" + Path.Combine(directory.Path, DataFolder.DatabaseFileName)))
        {
            connection.Open();
            using var command = connection.CreateCommand();
            command.CommandText = "DROP TRIGGER log_entries_no_update; UPDATE log_entries SET leaf_hash = $h WHERE idx = 9";
            command.Parameters.AddWithValue("$h", MerkleHash.Leaf([0xFF]));
            command.ExecuteNonQuery();
        }

        var refused = Assert.Throws<InvalidDataException>(() => log.Inclusion(8, null));
        Assert.Contains("no longer match", refused.Message, StringComparison.Ordinal);

        // Blocks that were not changed still prove.
        Assert.NotNull(log.Inclusion(1, null));
        Assert.NotNull(log.Inclusion(13, null));
    }

    [Fact]
    public void EntriesTheWriterCommitted_GoStraightIntoTheTree_UnlessAnEntryNotYetReadCameBetween()
    {
        using var directory = new TempDirectory();
        var time = new ManualTimeProvider();
        var (folder, ring) = Open(directory, time);
        var log = NewLog(folder, ring, time);

        // The signing key's creation is the folder's first entry (issue 19: it is logged with its public JWK).
        var full = Mirror(folder);
        long pre = full.Size;

        // Entries 0-2 come from elsewhere (the CLI); the writer's first notice (3-4) does not follow the tree, so the
        // table is read (the first notice always refreshes).
        AppendEntries(folder, full, 0, 3);
        log.RefreshAfterCommit(AppendEntries(folder, full, 3, 5));
        Assert.Equal(pre + 5, log.Size);

        // Within the second after that refresh the table is not read again: the writer's entries 5-6 follow the
        // tree and go straight in.
        log.RefreshAfterCommit(AppendEntries(folder, full, 5, 7));
        Assert.Equal(pre + 7, log.Size);

        // Entry 7 from elsewhere has not been read, so the writer's 8-9 cannot follow yet: left for the table read.
        AppendEntries(folder, full, 7, 8);
        log.RefreshAfterCommit(AppendEntries(folder, full, 8, 10));
        Assert.Equal(pre + 7, log.Size);

        var checkpoint = SignedCheckpoint.Verify(log.Refresh(), log.LogKeys).Checkpoint!;
        Assert.Equal(pre + 10, checkpoint.TreeSize);
        Assert.Equal(full.RootHash(), checkpoint.RootHash());
        for (long index = 0; index < pre + 10; index++)
        {
            Assert.Equal(full.InclusionProof(index, pre + 10), log.Inclusion(index, null)!.Proof);
        }
    }

    // A tree of the entries the folder already holds.
    private static MerkleTree Mirror(DataFolder folder)
    {
        var tree = new MerkleTree();
        using var connection = folder.Database.Open();
        foreach (var row in LogEntryRows.Read(connection, 0))
        {
            tree.Append(row.Entry);
        }

        return tree;
    }

    private static (DataFolder Folder, SigningKeyRing Ring) Open(TempDirectory directory, TimeProvider time)
    {
        var folder = DataFolder.Open(directory.Path, masterKeyFromEnvironment: null, time);
        return (folder, new SigningKeyStore(folder.Database, folder.Ring, time).LoadOrCreate());
    }

    // A note key of its own (not the stored identity, whose creation would log an entry these tests do not mirror).
    private static TransparencyLog NewLog(DataFolder folder, SigningKeyRing ring, TimeProvider time) =>
        new(folder.Database, ring, NoteSigningKey.Generate("test.local/log", NoteVerifier.Ed25519Type), time, residentLevel: 2);

    // Appends entries [from, to) to the table in one transaction (and to the mirror tree); returns them as the writer
    // reports them.
    private static List<AppendedEntry> AppendEntries(DataFolder folder, MerkleTree mirror, int from, int to)
    {
        var appended = new List<AppendedEntry>();
        using var connection = folder.Database.Open();
        using var transaction = connection.BeginTransaction();
        for (int i = from; i < to; i++)
        {
            byte[] entry = System.Text.Encoding.UTF8.GetBytes($"receipt {i:x64}\n");
            long index = LogEntryRows.Append(connection, transaction, LogEntryRows.ReceiptKind, entry, DateTimeOffset.UnixEpoch);
            appended.Add(new AppendedEntry(index, MerkleHash.Leaf(entry)));
            mirror.Append(entry);
        }

        transaction.Commit();
        return appended;
    }
}
