using System.Buffers;
using System.Security.Cryptography;

namespace NpcEcrf.Api.Locks;

/// <summary>
/// Hashes (SHA-256) what is written to it, through one reused buffer, and copies it to <paramref name="copy"/> if given:
/// a snapshot's canonical JSON hashed, and kept on disk rather than in memory, as it is written.
/// </summary>
internal sealed class HashingWriter(Stream? copy = null) : IBufferWriter<byte>, IDisposable
{
    private byte[] _buffer = ArrayPool<byte>.Shared.Rent(64 * 1024);
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    public void Advance(int count)
    {
        _hash.AppendData(_buffer, 0, count);
        copy?.Write(_buffer, 0, count);
    }

    public Memory<byte> GetMemory(int sizeHint = 0) => Buffer(sizeHint);

    public Span<byte> GetSpan(int sizeHint = 0) => Buffer(sizeHint);

    /// <summary>The hash of everything written, in lower-case hex.</summary>
    public string Hex() => CohortSnapshot.Hex(_hash.GetHashAndReset());

    private byte[] Buffer(int sizeHint)
    {
        if (sizeHint > _buffer.Length)
        {
            ArrayPool<byte>.Shared.Return(_buffer);
            _buffer = ArrayPool<byte>.Shared.Rent(sizeHint);
        }
        return _buffer;
    }

    public void Dispose()
    {
        ArrayPool<byte>.Shared.Return(_buffer);
        _hash.Dispose();
    }
}
