//! Wrappers that let generated code call a runtime function with the
//! preserve_all convention (Cranelift's `CallConv::PreserveAll`): the
//! wrapper saves every register the System V ABI lets a callee clobber,
//! so the caller keeps its values in registers across the call.
//!
//! For calls on cold paths inside hot loops (copy-on-write of a slot, the
//! preemption poll): with an ordinary call there, every value live across
//! the loop, floats above all (x86-64 has no callee-saved vector
//! registers), would live in a stack slot. The compiler imports every ABI
//! name ending in `_preserve_all` with that convention.

/// Defines `pub unsafe extern "C" fn $name($arg: $ty)`, which calls
/// `$target` with the same one argument and preserves every register:
/// rax, rcx, rdx, rsi, rdi, r8–r11 and xmm0–xmm15 are saved around the
/// call on x86-64 (elsewhere it is a plain call).
///
/// Stack: the return address leaves rsp at 8 mod 16; rbp and nine
/// registers make it 8 again, and 264 bytes for the vector registers
/// realign it for the call. The saved state lives on the caller's stack,
/// so the target may suspend the task and resume it on another thread.
macro_rules! preserve_all {
    ($(#[$doc:meta])* $name:ident($arg:ident: $ty:ty) => $target:path) => {
        #[cfg(target_arch = "x86_64")]
        std::arch::global_asm!(
            concat!(".globl ", stringify!($name)),
            ".p2align 4",
            concat!(stringify!($name), ":"),
            "push rbp",
            "mov rbp, rsp",
            "push rax",
            "push rcx",
            "push rdx",
            "push rsi",
            "push rdi",
            "push r8",
            "push r9",
            "push r10",
            "push r11",
            "sub rsp, 264",
            "movdqu [rsp + 0], xmm0",
            "movdqu [rsp + 16], xmm1",
            "movdqu [rsp + 32], xmm2",
            "movdqu [rsp + 48], xmm3",
            "movdqu [rsp + 64], xmm4",
            "movdqu [rsp + 80], xmm5",
            "movdqu [rsp + 96], xmm6",
            "movdqu [rsp + 112], xmm7",
            "movdqu [rsp + 128], xmm8",
            "movdqu [rsp + 144], xmm9",
            "movdqu [rsp + 160], xmm10",
            "movdqu [rsp + 176], xmm11",
            "movdqu [rsp + 192], xmm12",
            "movdqu [rsp + 208], xmm13",
            "movdqu [rsp + 224], xmm14",
            "movdqu [rsp + 240], xmm15",
            "call {target}",
            "movdqu xmm0, [rsp + 0]",
            "movdqu xmm1, [rsp + 16]",
            "movdqu xmm2, [rsp + 32]",
            "movdqu xmm3, [rsp + 48]",
            "movdqu xmm4, [rsp + 64]",
            "movdqu xmm5, [rsp + 80]",
            "movdqu xmm6, [rsp + 96]",
            "movdqu xmm7, [rsp + 112]",
            "movdqu xmm8, [rsp + 128]",
            "movdqu xmm9, [rsp + 144]",
            "movdqu xmm10, [rsp + 160]",
            "movdqu xmm11, [rsp + 176]",
            "movdqu xmm12, [rsp + 192]",
            "movdqu xmm13, [rsp + 208]",
            "movdqu xmm14, [rsp + 224]",
            "movdqu xmm15, [rsp + 240]",
            "add rsp, 264",
            "pop r11",
            "pop r10",
            "pop r9",
            "pop r8",
            "pop rdi",
            "pop rsi",
            "pop rdx",
            "pop rcx",
            "pop rax",
            "pop rbp",
            "ret",
            target = sym $target,
        );

        #[cfg(target_arch = "x86_64")]
        // Only pointers and scalars cross this boundary.
        #[allow(improper_ctypes)]
        extern "C" {
            $(#[$doc])*
            pub fn $name($arg: $ty);
        }

        $(#[$doc])*
        ///
        /// # Safety
        /// As for the function it wraps.
        #[cfg(not(target_arch = "x86_64"))]
        pub unsafe extern "C" fn $name($arg: $ty) {
            // SAFETY: the caller's contract is the target's.
            unsafe { $target($arg) }
        }
    };
}

pub(crate) use preserve_all;
