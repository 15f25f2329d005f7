/*
 * Terminal ABI: struct termios as TCGETS/TCSETS* transfer it on arm64 (the generic layout,
 * c_cc[19], no speed fields), termios2, winsize, the mode bits, and the tty ioctl numbers.
 * Checked against the uapi headers.
 */
#ifndef LIBOS_ABI_TERMIOS_H
#define LIBOS_ABI_TERMIOS_H
#include <stdint.h>

/* ioctl number encoding: dir(2) size(14) type(8) nr(8). */
#define LINUX_IOC_NONE  0u
#define LINUX_IOC_WRITE 1u
#define LINUX_IOC_READ  2u
#define LINUX_IOC(dir, type, nr, size)                                                             \
    (((dir) << 30) | ((uint32_t)(size) << 16) | ((uint32_t)(type) << 8) | (uint32_t)(nr))
#define LINUX_IO(type, nr)         LINUX_IOC(LINUX_IOC_NONE, (type), (nr), 0)
#define LINUX_IOR(type, nr, size)  LINUX_IOC(LINUX_IOC_READ, (type), (nr), (size))
#define LINUX_IOW(type, nr, size)  LINUX_IOC(LINUX_IOC_WRITE, (type), (nr), (size))
#define LINUX_IOWR(type, nr, size) LINUX_IOC(LINUX_IOC_READ | LINUX_IOC_WRITE, (type), (nr), (size))
#define LINUX_IOC_DIR(cmd)         (((cmd) >> 30) & 3u)
#define LINUX_IOC_SIZE(cmd)        (((cmd) >> 16) & 0x3fffu)
#define LINUX_IOC_TYPE(cmd)        (((cmd) >> 8) & 0xffu)
#define LINUX_IOC_NR(cmd)          ((cmd)&0xffu)

#define LINUX_NCCS 19
struct linux_termios {
    uint32_t c_iflag;
    uint32_t c_oflag;
    uint32_t c_cflag;
    uint32_t c_lflag;
    uint8_t c_line;
    uint8_t c_cc[LINUX_NCCS];
};

struct linux_termios2 {
    uint32_t c_iflag;
    uint32_t c_oflag;
    uint32_t c_cflag;
    uint32_t c_lflag;
    uint8_t c_line;
    uint8_t c_cc[LINUX_NCCS];
    uint32_t c_ispeed;
    uint32_t c_ospeed;
};

struct linux_winsize {
    uint16_t ws_row;
    uint16_t ws_col;
    uint16_t ws_xpixel;
    uint16_t ws_ypixel;
};

/* c_cc indices. */
#define LINUX_VINTR    0
#define LINUX_VQUIT    1
#define LINUX_VERASE   2
#define LINUX_VKILL    3
#define LINUX_VEOF     4
#define LINUX_VTIME    5
#define LINUX_VMIN     6
#define LINUX_VSWTC    7
#define LINUX_VSTART   8
#define LINUX_VSTOP    9
#define LINUX_VSUSP    10
#define LINUX_VEOL     11
#define LINUX_VREPRINT 12
#define LINUX_VDISCARD 13
#define LINUX_VWERASE  14
#define LINUX_VLNEXT   15
#define LINUX_VEOL2    16

/* c_iflag. */
#define LINUX_IGNBRK  0x0001
#define LINUX_BRKINT  0x0002
#define LINUX_IGNPAR  0x0004
#define LINUX_PARMRK  0x0008
#define LINUX_INPCK   0x0010
#define LINUX_ISTRIP  0x0020
#define LINUX_INLCR   0x0040
#define LINUX_IGNCR   0x0080
#define LINUX_ICRNL   0x0100
#define LINUX_IUCLC   0x0200
#define LINUX_IXON    0x0400
#define LINUX_IXANY   0x0800
#define LINUX_IXOFF   0x1000
#define LINUX_IMAXBEL 0x2000
#define LINUX_IUTF8   0x4000

/* c_oflag. */
#define LINUX_OPOST  0x0001
#define LINUX_OLCUC  0x0002
#define LINUX_ONLCR  0x0004
#define LINUX_OCRNL  0x0008
#define LINUX_ONOCR  0x0010
#define LINUX_ONLRET 0x0020
#define LINUX_OFILL  0x0040
#define LINUX_OFDEL  0x0080

/* c_cflag. */
#define LINUX_CBAUD   0x0000100f
#define LINUX_B0      0x00000000
#define LINUX_B9600   0x0000000d
#define LINUX_B38400  0x0000000f
#define LINUX_B115200 0x00001002
#define LINUX_CSIZE   0x00000030
#define LINUX_CS5     0x00000000
#define LINUX_CS6     0x00000010
#define LINUX_CS7     0x00000020
#define LINUX_CS8     0x00000030
#define LINUX_CSTOPB  0x00000040
#define LINUX_CREAD   0x00000080
#define LINUX_PARENB  0x00000100
#define LINUX_PARODD  0x00000200
#define LINUX_HUPCL   0x00000400
#define LINUX_CLOCAL  0x00000800
#define LINUX_BOTHER  0x00001000
#define LINUX_CRTSCTS 0x80000000u

/* c_lflag. */
#define LINUX_ISIG    0x00001
#define LINUX_ICANON  0x00002
#define LINUX_XCASE   0x00004
#define LINUX_ECHO    0x00008
#define LINUX_ECHOE   0x00010
#define LINUX_ECHOK   0x00020
#define LINUX_ECHONL  0x00040
#define LINUX_NOFLSH  0x00080
#define LINUX_TOSTOP  0x00100
#define LINUX_ECHOCTL 0x00200
#define LINUX_ECHOPRT 0x00400
#define LINUX_ECHOKE  0x00800
#define LINUX_FLUSHO  0x01000
#define LINUX_PENDIN  0x04000
#define LINUX_IEXTEN  0x08000
#define LINUX_EXTPROC 0x10000

/* tcsetattr actions, tcflush queues, tcflow actions. */
#define LINUX_TCSANOW   0
#define LINUX_TCSADRAIN 1
#define LINUX_TCSAFLUSH 2
#define LINUX_TCIFLUSH  0
#define LINUX_TCOFLUSH  1
#define LINUX_TCIOFLUSH 2
#define LINUX_TCOOFF    0
#define LINUX_TCOON     1
#define LINUX_TCIOFF    2
#define LINUX_TCION     3

/* tty ioctls. */
#define LINUX_TCGETS      0x5401
#define LINUX_TCSETS      0x5402
#define LINUX_TCSETSW     0x5403
#define LINUX_TCSETSF     0x5404
#define LINUX_TCSBRK      0x5409
#define LINUX_TCXONC      0x540A
#define LINUX_TCFLSH      0x540B
#define LINUX_TIOCEXCL    0x540C
#define LINUX_TIOCNXCL    0x540D
#define LINUX_TIOCSCTTY   0x540E
#define LINUX_TIOCGPGRP   0x540F
#define LINUX_TIOCSPGRP   0x5410
#define LINUX_TIOCOUTQ    0x5411
#define LINUX_TIOCSTI     0x5412
#define LINUX_TIOCGWINSZ  0x5413
#define LINUX_TIOCSWINSZ  0x5414
#define LINUX_TIOCMGET    0x5415
#define LINUX_TIOCMSET    0x5418
#define LINUX_FIONREAD    0x541B
#define LINUX_TIOCINQ     LINUX_FIONREAD
#define LINUX_TIOCPKT     0x5420
#define LINUX_FIONBIO     0x5421
#define LINUX_TIOCNOTTY   0x5422
#define LINUX_TIOCSETD    0x5423
#define LINUX_TIOCGETD    0x5424
#define LINUX_TCSBRKP     0x5425
#define LINUX_TIOCGSID    0x5429
#define LINUX_TCGETS2     LINUX_IOR('T', 0x2A, sizeof(struct linux_termios2))
#define LINUX_TCSETS2     LINUX_IOW('T', 0x2B, sizeof(struct linux_termios2))
#define LINUX_TCSETSW2    LINUX_IOW('T', 0x2C, sizeof(struct linux_termios2))
#define LINUX_TCSETSF2    LINUX_IOW('T', 0x2D, sizeof(struct linux_termios2))
#define LINUX_TIOCGPTN    LINUX_IOR('T', 0x30, sizeof(uint32_t))
#define LINUX_TIOCSPTLCK  LINUX_IOW('T', 0x31, sizeof(int32_t))
#define LINUX_TIOCGDEV    LINUX_IOR('T', 0x32, sizeof(uint32_t))
#define LINUX_TIOCSIG     LINUX_IOW('T', 0x36, sizeof(int32_t))
#define LINUX_TIOCVHANGUP 0x5437
#define LINUX_TIOCGPKT    LINUX_IOR('T', 0x38, sizeof(int32_t))
#define LINUX_TIOCGPTLCK  LINUX_IOR('T', 0x39, sizeof(int32_t))
#define LINUX_TIOCGPTPEER LINUX_IO('T', 0x41)
#define LINUX_FIONCLEX    0x5450
#define LINUX_FIOCLEX     0x5451
#define LINUX_FIOASYNC    0x5452

#endif
