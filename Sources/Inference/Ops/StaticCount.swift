// A small number as a type: a kernel generic over it is specialised for each number it is called
// with, so tests on the number fold away and loops over it unroll (positions per block, kernel
// widths, strides).

protocol StaticCount { static var count: Int { get } }

enum Count1: StaticCount { static var count: Int { 1 } }
enum Count2: StaticCount { static var count: Int { 2 } }
enum Count3: StaticCount { static var count: Int { 3 } }
enum Count4: StaticCount { static var count: Int { 4 } }
enum Count5: StaticCount { static var count: Int { 5 } }
enum Count6: StaticCount { static var count: Int { 6 } }
enum Count7: StaticCount { static var count: Int { 7 } }
enum Count8: StaticCount { static var count: Int { 8 } }
