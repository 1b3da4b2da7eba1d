using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;

namespace Warden.Server.Simulator.Operations;

/// <summary>
/// sim-image's pictures: a valid PNG (RFC 2083: signature, IHDR, one zlib IDAT, IEND, each chunk with its CRC-32) of one
/// colour taken from the prompt's hash, so a test can decode it and check it came from its prompt. The picture is small
/// (the requested size divided by 64 on each side) to keep answers light; the response still reports the size asked for.
/// </summary>
internal static class SimulatorPng
{
    public const int Scale = 64;

    private static readonly uint[] CrcTable = BuildCrcTable();

    /// <summary>The RGB colour of a prompt's picture.</summary>
    public static (byte R, byte G, byte B) ColourOf(string prompt)
    {
        ulong hash = SimulatorEmbedding.Fnv1a(Encoding.UTF8.GetBytes(prompt ?? ""));
        return ((byte)hash, (byte)(hash >> 8), (byte)(hash >> 16));
    }

    public static byte[] Create(string prompt, int width, int height)
    {
        var (r, g, b) = ColourOf(prompt);
        int w = Math.Max(1, width / Scale), h = Math.Max(1, height / Scale);
        using var raw = new MemoryStream();
        using (var zlib = new ZLibStream(raw, CompressionLevel.Fastest, leaveOpen: true))
        {
            var row = new byte[1 + (w * 3)];
            for (int x = 0; x < w; x++)
            {
                row[1 + (x * 3)] = r;
                row[2 + (x * 3)] = g;
                row[3 + (x * 3)] = b;
            }

            for (int y = 0; y < h; y++)
            {
                zlib.Write(row);
            }
        }

        using var png = new MemoryStream();
        png.Write([0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A]);
        var header = new byte[13];
        BinaryPrimitives.WriteInt32BigEndian(header, w);
        BinaryPrimitives.WriteInt32BigEndian(header.AsSpan(4), h);
        header[8] = 8; // bit depth
        header[9] = 2; // colour type: truecolour RGB
        WriteChunk(png, "IHDR", header);
        WriteChunk(png, "IDAT", raw.ToArray());
        WriteChunk(png, "IEND", []);
        return png.ToArray();
    }

    private static void WriteChunk(Stream stream, string type, byte[] data)
    {
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteInt32BigEndian(length, data.Length);
        stream.Write(length);
        var typeAndData = new byte[4 + data.Length];
        Encoding.ASCII.GetBytes(type, typeAndData);
        data.CopyTo(typeAndData, 4);
        stream.Write(typeAndData);
        BinaryPrimitives.WriteUInt32BigEndian(length, Crc32(typeAndData));
        stream.Write(length);
    }

    private static uint Crc32(ReadOnlySpan<byte> bytes)
    {
        uint crc = 0xFFFFFFFF;
        foreach (var b in bytes)
        {
            crc = CrcTable[(crc ^ b) & 0xFF] ^ (crc >> 8);
        }

        return crc ^ 0xFFFFFFFF;
    }

    private static uint[] BuildCrcTable()
    {
        var table = new uint[256];
        for (uint n = 0; n < 256; n++)
        {
            uint c = n;
            for (int k = 0; k < 8; k++)
            {
                c = (c & 1) != 0 ? 0xEDB88320 ^ (c >> 1) : c >> 1;
            }

            table[n] = c;
        }

        return table;
    }
}
