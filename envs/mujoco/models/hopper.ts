/**
 * MJCF of Hopper-v5: a planar one-legged hopper (torso, thigh, leg, foot) on three motors.
 *
 * Physical parameters are those of Gymnasium's `hopper.xml` (v5): RK4 at 2 ms; capsules at MuJoCo's default
 * density 1000; joint armature and damping 1 on the leg joints, none on the three root joints; motors of gear
 * 200 on [−1, 1]; friction 0.9 (2.0 on the foot, 1 on the floor), contact margin 0.001, solref (0.02, 1),
 * solimp (0.8, 0.8, 0.01), condim 1 on the body and 3 on the floor. The z slide has `ref = 1.25`, so
 * `qpos[1]` is the torso height. Lengths keep the reference's float literals (e.g. 0.19999999999999996), so
 * the compiled model is the same to the last bit. Visual-only elements (textures, lights, cameras) are left out.
 */
export const HOPPER_XML = `
<mujoco model="varl-hopper">
  <compiler angle="degree" inertiafromgeom="true"/>
  <option timestep="0.002" integrator="RK4"/>
  <default>
    <joint limited="true" armature="1" damping="1"/>
    <geom type="capsule" contype="1" conaffinity="1" condim="1" margin="0.001" solref="0.02 1" solimp="0.8 0.8 0.01" rgba="0.85 0.55 0.35 1"/>
    <motor ctrllimited="true" ctrlrange="-1 1" gear="200"/>
    <default class="root">
      <joint limited="false" armature="0" damping="0" stiffness="0"/>
    </default>
  </default>
  <worldbody>
    <geom name="floor" type="plane" size="20 20 0.125" condim="3" rgba="0.8 0.9 0.8 1"/>
    <body name="torso" pos="0 0 1.25">
      <joint name="rootx" class="root" type="slide" axis="1 0 0" pos="0 0 -1.25"/>
      <joint name="rootz" class="root" type="slide" axis="0 0 1" pos="0 0 -1.25" ref="1.25"/>
      <joint name="rooty" class="root" type="hinge" axis="0 1 0" pos="0 0 0"/>
      <geom name="torso_geom" size="0.05 0.19999999999999996" friction="0.9"/>
      <body name="thigh" pos="0 0 -0.19999999999999996">
        <joint name="thigh_joint" type="hinge" axis="0 -1 0" pos="0 0 0" range="-150 0"/>
        <geom name="thigh_geom" pos="0 0 -0.22500000000000009" size="0.05 0.22500000000000003" friction="0.9"/>
        <body name="leg" pos="0 0 -0.70000000000000007">
          <joint name="leg_joint" type="hinge" axis="0 -1 0" pos="0 0 0.25" range="-150 0"/>
          <geom name="leg_geom" size="0.04 0.25" friction="0.9"/>
          <body name="foot" pos="0.13 0 -0.35">
            <joint name="foot_joint" type="hinge" axis="0 -1 0" pos="-0.13 0 0.1" range="-45 45"/>
            <geom name="foot_geom" pos="-0.065 0 0.1" quat="0.70710678118654757 0 -0.70710678118654746 0" size="0.06 0.195" friction="2.0"/>
          </body>
        </body>
      </body>
    </body>
  </worldbody>
  <actuator>
    <motor name="thigh" joint="thigh_joint"/>
    <motor name="leg" joint="leg_joint"/>
    <motor name="foot" joint="foot_joint"/>
  </actuator>
</mujoco>
`;
